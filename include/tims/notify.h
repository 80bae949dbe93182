/*
 * notify.h — the daemons' side of systemd's service notification protocol
 * (sd_notify(3)): READY=1 once a serve loop listens, STOPPING=1 when it
 * starts to shut down, WATCHDOG=1 while its main loop runs.
 *
 * Every call is a no-op when the process was not started by systemd with
 * Type=notify (NOTIFY_SOCKET unset) or without WatchdogSec= (WATCHDOG_USEC
 * unset), so `tims post serve` behaves the same from a shell. Nothing here
 * prints or fails the caller: a notification that cannot be sent is lost,
 * and systemd then acts on its own timeouts (TimeoutStartSec, WatchdogSec).
 */
#ifndef TIMS_NOTIFY_H
#define TIMS_NOTIFY_H

#include <signal.h>

/* READY=1, with STATUS=status when status is non-NULL (one line, shown by
 * `systemctl status`). Call once the daemon accepts connections. */
void tims_notify_ready(const char *status);

/* STOPPING=1: the daemon has been asked to stop and is shutting down. */
void tims_notify_stopping(void);

/*
 * Wait for one of the signals in `set` (which the caller has blocked in
 * every thread, as for sigwait(3)) and return it. While waiting, send
 * WATCHDOG=1 every half of the watchdog interval systemd asked for; with no
 * watchdog this is sigwait. The pings say that the main loop is alive, not
 * that every worker thread is.
 */
int tims_notify_sigwait(const sigset_t *set);

#endif
