/*
 * test_log.c — the daemons' log lines (tims/log.h): priority prefixes,
 * key=value fields whose values cannot end a line or forge a field, the
 * level filter, and the HTTP access line that names the route, never the
 * path.
 */
#include "t.h"
#include "tims/http.h"
#include "tims/log.h"

static void test_quote(void)
{
	char q[256];

	T_EQ_STR(tims_log_quote("GET", q, sizeof(q)), "GET", "quote: a plain word stays bare");
	T_EQ_STR(tims_log_quote("/api/v1/{x}", q, sizeof(q)), "/api/v1/{x}", "quote: a route stays bare");
	T_EQ_STR(tims_log_quote("two words", q, sizeof(q)), "\"two words\"", "quote: a space quotes");
	T_EQ_STR(tims_log_quote("", q, sizeof(q)), "\"\"", "quote: an empty value is \"\"");
	T_EQ_STR(tims_log_quote(NULL, q, sizeof(q)), "-", "quote: no value is -");
	T_EQ_STR(tims_log_quote("a=b", q, sizeof(q)), "\"a=b\"", "quote: '=' quotes (no forged field)");
	T_EQ_STR(tims_log_quote("say \"hi\" \\o/", q, sizeof(q)), "\"say \\\"hi\\\" \\\\o/\"",
		 "quote: quotes and backslashes escaped");
	T_EQ_STR(tims_log_quote("x\nFORGED status=200\r\t", q, sizeof(q)),
		 "\"x\\nFORGED status=200\\r\\t\"", "quote: a newline cannot start a line");
	T_EQ_STR(tims_log_quote("\x1b[31mred\x7f", q, sizeof(q)), "\"\\x1b[31mred\\x7f\"",
		 "quote: ESC and DEL as \\xNN");
	T_EQ_STR(tims_log_quote("\xc3\xa9", q, sizeof(q)), "\"\\xc3\\xa9\"",
		 "quote: bytes past ASCII as \\xNN");
	T_EQ_STR(tims_log_quote("abcdefgh", q, 6), "abcde", "quote: cut to fit, NUL-terminated");
	T_EQ_STR(tims_log_quote("ab cdefgh", q, 6), "\"ab \"", "quote: cut inside quotes, still closed");
	T_EQ_STR(tims_log_quote("a\nb", q, 5), "\"a\"", "quote: an escape is never cut in half");
}

static void test_line(void)
{
	struct tims_log_line l;
	char big[2000];

	tims_log_begin(&l, TIMS_LOG_WARNING, "sync");
	tims_log_add(&l, "post", "tims/post/a");
	tims_log_addf(&l, "lag", "%d", 42);
	tims_log_add(&l, "msg", "centre unreachable: timed out");
	T_EQ_STR(tims_log_text(&l),
		 "<4>event=sync post=tims/post/a lag=42 msg=\"centre unreachable: timed out\"",
		 "line: <N> prefix, then key=value fields");
	tims_log_begin(&l, 99, NULL);
	tims_log_add(&l, "msg", "x");
	T_EQ_STR(tims_log_text(&l), "<7>msg=x", "line: a level past debug is debug; no event");
	tims_log_begin(&l, 0, "e");
	T_EQ_STR(tims_log_text(&l), "<3>event=e", "line: a level above err is err");

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tims_log_begin(&l, TIMS_LOG_INFO, "big");
	tims_log_add(&l, "a", "1");
	tims_log_add(&l, "huge", big);
	tims_log_add(&l, "b", "2");
	T_EQ_STR(tims_log_text(&l), "<6>event=big a=1 cut=1",
		 "line: a field that does not fit is left out whole, and the line says cut");
}

static void test_levels(void)
{
	char out[512];
	int level = 0;
	struct tims_err err;

	T_OK(tims_log_level_parse("debug", &level, &err) == TIMS_OK && level == 7, "level: debug is 7");
	T_OK(tims_log_level_parse("error", &level, &err) == TIMS_OK && level == 3, "level: error is 3");
	T_OK(tims_log_level_parse("warning", &level, &err) == TIMS_OK && level == 4, "level: warning is 4");
	T_OK(tims_log_level_parse("notice", &level, &err) == TIMS_OK && level == 5, "level: notice is 5");
	T_OK(tims_log_level_parse("info", &level, &err) == TIMS_OK && level == 6, "level: info is 6");
	T_OK(tims_log_level_parse("verbose", &level, &err) == TIMS_ERR_INVALID, "level: others refused");
	T_EQ_STR(err.msg, "log-level: 'verbose' is not one of error|warning|notice|info|debug",
		 "level: the message names the choices");

	T_OK(tims_log_keep("<7>event=sync", TIMS_LOG_INFO, out, sizeof(out)) == NULL,
	     "keep: debug dropped at info");
	T_EQ_STR(tims_log_keep("<7>event=sync", TIMS_LOG_DEBUG, out, sizeof(out)), "<7>event=sync",
		 "keep: debug kept at debug");
	T_EQ_STR(tims_log_keep("<3>event=halt", TIMS_LOG_ERR, out, sizeof(out)), "<3>event=halt",
		 "keep: err kept at error");
	T_OK(tims_log_keep("<6>event=http", TIMS_LOG_WARNING, out, sizeof(out)) == NULL,
	     "keep: info dropped at warning");
	T_EQ_STR(tims_log_keep("centre a: online", TIMS_LOG_INFO, out, sizeof(out)),
		 "<6>msg=\"centre a: online\"", "keep: free text becomes <6>msg=\"...\"");
	T_OK(tims_log_keep("centre a: online", TIMS_LOG_NOTICE, out, sizeof(out)) == NULL,
	     "keep: free text is info");
	T_EQ_STR(tims_log_keep("path /x\nFORGED\x1b[2J", TIMS_LOG_DEBUG, out, sizeof(out)),
		 "<6>msg=\"path /x\\nFORGED\\x1b[2J\"", "keep: free text cannot forge a line");
	T_EQ_STR(tims_log_keep("<6>event=x a=1\nFORGED", TIMS_LOG_DEBUG, out, sizeof(out)),
		 "<6>event=x a=1\\x0aFORGED", "keep: a prefixed line is checked again");
}

static tims_rc no_handler(void *app, struct tims_http_req *req, struct tims_http_resp *resp)
{
	(void)app, (void)req, (void)resp;
	return TIMS_OK;
}

static void test_access(void)
{
	static const struct tims_http_route history = {
		"GET", "/api/v1/history/{document}", TIMS_ROLE_OFFICER, 0, NULL, no_handler, 0 };
	static const struct tims_http_route push = {
		"POST", "/api/v1/sync/push", TIMS_ROLE_PEER, 1, NULL, no_handler, TIMS_ROUTE_MTLS };
	struct tims_http_req req;
	char out[TIMS_LOG_LINE_MAX];

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/api/v1/history/L898902C3";
	req.route = &history;
	snprintf(req.id, sizeof(req.id), "00112233aabbccdd");
	snprintf(req.who.id, sizeof(req.who.id), "jsmith");
	tims_http_access_line(&req, 200, 1.234, "tims/post/a", NULL, out, sizeof(out));
	T_EQ_STR(out, "<6>event=http method=GET route=/api/v1/history/{document} status=200 "
		 "ms=1.23 req=00112233aabbccdd post=tims/post/a",
		 "access: route pattern, status, ms, req, post at info");
	T_OK(!strstr(out, "L898902C3") && !strstr(out, "jsmith"),
	     "access: no document number from the path, no officer id");
	tims_http_access_line(&req, 500, 2, NULL, "store: disk full", out, sizeof(out));
	T_EQ_STR(out, "<4>event=http method=GET route=/api/v1/history/{document} status=500 "
		 "ms=2.00 req=00112233aabbccdd error=\"store: disk full\"", "access: a 5xx at warning, with its error");
	req.route = &push;
	req.method = "POST";
	tims_http_access_line(&req, 200, 3, "tims/post/b", NULL, out, sizeof(out));
	T_OK(!strncmp(out, "<7>", 3), "access: a routine sync request at debug");
	tims_http_access_line(&req, 403, 3, "tims/post/b", NULL, out, sizeof(out));
	T_OK(!strncmp(out, "<6>", 3), "access: a refused sync request at info");
	req.route = NULL;
	tims_http_access_line(&req, 404, 0.5, NULL, NULL, out, sizeof(out));
	T_OK(strstr(out, " route=- status=404") && !strstr(out, "L898902C3"),
	     "access: no route: '-', never the path");
	tims_http_access_line(NULL, 0, 0, NULL, "TLS handshake: x\ny", out, sizeof(out));
	T_EQ_STR(out, "<5>event=https msg=\"TLS handshake: x\\ny\"", "access: a server message at notice");
}

int main(void)
{
	test_quote();
	test_line();
	test_levels();
	test_access();
	return t_done();
}
