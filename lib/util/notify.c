/*
 * notify.c — sd_notify(3) for the serve loops (see include/tims/notify.h).
 *
 * libsystemd does the protocol (the datagram to NOTIFY_SOCKET, abstract
 * sockets, credentials); this file decides what is sent and when. The
 * watchdog is fed from the thread that waits for the stop signals, with
 * sigtimedwait, so no extra thread or timer is needed.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "tims/notify.h"

void tims_notify_ready(const char *status)
{
	char msg[512];

	if (status && *status &&
	    snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status) < (int)sizeof(msg))
		(void)sd_notify(0, msg);
	else
		(void)sd_notify(0, "READY=1");
}

void tims_notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

int tims_notify_sigwait(const sigset_t *set)
{
	uint64_t usec = 0;
	struct timespec ts;
	int sig;

	/* WATCHDOG_USEC set for this process (and WATCHDOG_PID, if set, ours). */
	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) {
		while (sigwait(set, &sig) != 0)
			;
		return sig;
	}
	usec /= 2;
	ts.tv_sec = (time_t)(usec / 1000000);
	ts.tv_nsec = (long)(usec % 1000000) * 1000;
	for (;;) {
		(void)sd_notify(0, "WATCHDOG=1");
		sig = sigtimedwait(set, NULL, &ts);
		if (sig > 0)
			return sig;
		/* EAGAIN: the half interval passed; EINTR: another signal. */
	}
}
