/* test_util.c — bounded buffers, number and hex parsing, error messages. */
#include "t.h"
#include "tims/buf.h"
#include "tims/util.h"

static void test_buf_ceiling(void)
{
	struct tims_buf b = TIMS_BUF_INIT(8);

	T_OK(tims_buf_addstr(&b, "12345678") == TIMS_OK, "buf: fills up to its ceiling");
	T_EQ_STR(tims_buf_str(&b), "12345678", "buf: contents kept");
	T_OK(tims_buf_addch(&b, 'x') == TIMS_ERR_TOOBIG, "buf: one byte past the ceiling is refused");
	T_EQ_INT(b.len, 8, "buf: a refused add leaves the contents untouched");
	tims_buf_reset(&b);
	T_OK(tims_buf_addf(&b, "%d-%s", 42, "ab") == TIMS_OK && !strcmp(b.buf, "42-ab"), "buf: addf formats");
	T_OK(tims_buf_addf(&b, "%s", "too long now") == TIMS_ERR_TOOBIG, "buf: addf past the ceiling is refused");
	tims_buf_release(&b);
	T_OK(b.buf == NULL && b.len == 0, "buf: release frees");
}

static void test_hex(void)
{
	struct tims_buf b = TIMS_BUF_INIT(64);
	uint8_t out[3];
	struct tims_err err;

	T_OK(tims_buf_addhex(&b, (const uint8_t *)"\x00\xff\x10", 3) == TIMS_OK, "hex: encodes");
	T_EQ_STR(tims_buf_str(&b), "00ff10", "hex: lower case, two digits a byte");
	T_OK(tims_hex_decode("00FF10", out, 3, "root", &err) == TIMS_OK && out[1] == 0xff, "hex: decodes upper case");
	T_OK(tims_hex_decode("00ff1", out, 3, "root", &err) == TIMS_ERR_INVALID, "hex: odd length refused");
	T_EQ_STR(err.msg, "root: expected 6 hex digits, got 5", "hex: error names the field and the reason");
	T_OK(tims_hex_decode("00fg10", out, 3, "root", &err) == TIMS_ERR_INVALID, "hex: non-hex digit refused");
	tims_buf_release(&b);
}

static void test_parse_u64(void)
{
	uint64_t v;
	struct tims_err err;

	T_OK(tims_parse_u64("12345", 100000, &v, "size", &err) == TIMS_OK && v == 12345, "u64: parses");
	T_OK(tims_parse_u64("18446744073709551616", UINT64_MAX, &v, "size", &err) == TIMS_ERR_INVALID, "u64: overflow refused");
	T_OK(tims_parse_u64("101", 100, &v, "index", &err) == TIMS_ERR_INVALID, "u64: above the maximum refused");
	T_EQ_STR(err.msg, "index: larger than 100", "u64: error names the field");
	T_OK(tims_parse_u64("-1", 100, &v, "index", &err) == TIMS_ERR_INVALID, "u64: sign refused");
	T_OK(tims_parse_u64("1 ", 100, &v, "index", &err) == TIMS_ERR_INVALID, "u64: trailing space refused");
	T_OK(tims_parse_u64("", 100, &v, "index", &err) == TIMS_ERR_INVALID, "u64: empty refused");
}

static void test_err(void)
{
	struct tims_err err;

	tims_err_clear(&err);
	T_EQ_STR(tims_err_msg(&err), "success", "err: cleared message falls back to the code");
	T_OK(tims_err_set(&err, TIMS_ERR_IO, "x: %s", "gone") == TIMS_ERR_IO, "err: set returns the code");
	T_EQ_STR(tims_err_msg(&err), "x: gone", "err: detail kept");
	T_EQ_STR(tims_strerror((tims_rc)9999), "unknown error", "err: unknown code has a description");
	T_OK(tims_err_set(NULL, TIMS_ERR_IO, "ignored") == TIMS_ERR_IO, "err: NULL detail is allowed");
}

static void test_next_line(void)
{
	static const char text[] = "a\n\r\n\nbc\r\nd";
	const char *p = text, *end = text + sizeof(text) - 1, *line;
	size_t len, n = 0;

	T_OK(tims_next_line(&p, end, &line, &len, &n) && len == 1 && line[0] == 'a' && n == 1,
	     "next_line: the first line");
	T_OK(tims_next_line(&p, end, &line, &len, &n) && len == 2 && !memcmp(line, "bc", 2) && n == 4,
	     "next_line: blank lines (and a lone CR) skipped but counted, CR LF trimmed");
	T_OK(tims_next_line(&p, end, &line, &len, &n) && len == 1 && line[0] == 'd' && n == 5,
	     "next_line: a last line without a newline");
	T_OK(!tims_next_line(&p, end, &line, &len, &n), "next_line: then the end");
}

static size_t u8(const char *s, size_t n)
{
	return tims_utf8_len((const unsigned char *)s, n);
}

static void test_utf8(void)
{
	T_OK(u8("a", 1) == 1 && u8("\xc3\xa9", 2) == 2 && u8("\xe2\x82\xac", 3) == 3 &&
	     u8("\xf0\x9f\x98\x80", 4) == 4, "utf8: 1 to 4 byte sequences");
	T_OK(u8("\xc0\xaf", 2) == 0 && u8("\xe0\x80\xaf", 3) == 0 && u8("\xf0\x80\x80\xaf", 4) == 0,
	     "utf8: overlong forms refused");
	T_OK(u8("\xed\xa0\x80", 3) == 0, "utf8: a surrogate refused");
	T_OK(u8("\xf4\x90\x80\x80", 4) == 0, "utf8: past U+10FFFF refused");
	T_OK(u8("\xe2\x82\xac", 2) == 0 && u8("\xc3(", 2) == 0 && u8("\x80", 1) == 0,
	     "utf8: truncated, a bad continuation, a lone continuation refused");
}

int main(void)
{
	test_utf8();
	test_next_line();
	test_buf_ceiling();
	test_hex();
	test_parse_u64();
	test_err();
	return t_done();
}
