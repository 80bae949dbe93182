# banned.sh — the unsafe libc calls of include/tims/banned.h fail to compile
# with the project's flags, and the bounded alternatives compile.
. tests/e2e/lib.sh

cc_project() { # FILE: compile with the flags lib/ and src/ use
	${CC:-cc} -std=c17 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Iinclude \
		-include tims/sys.h -Wall -Werror -c "$1" -o "$T_TMP/out.o"
}

for call in 'char d[8]; strcpy(d, s);' 'char d[8]; sprintf(d, "%s", s);' \
	'return atoi(s);' 'int x; sscanf(s, "%d", &x);' 'strtok((char *)s, ",");' \
	'char d[8]; strcat(d, s);' 'time_t t = 0; gmtime(&t);' 'return (int)atol(s);'; do
	printf 'int f(const char *s);\nint f(const char *s) { %s return 0; }\n' "$call" >"$T_TMP/bad.c"
	out=$(cc_project "$T_TMP/bad.c" 2>&1)
	if [ $? -ne 0 ] && printf '%s' "$out" | grep -q 'is_a_banned_function'; then
		t_report ok "banned: '$call' does not compile"
	else
		t_report fail "banned: '$call' does not compile" "$out"
	fi
done
printf 'int f(const char *s);\nint f(const char *s) { char d[8]; snprintf(d, sizeof d, "%%s", s); struct tm tm; time_t t = 0; gmtime_r(&t, &tm); return d[0]; }\n' >"$T_TMP/good.c"
t_ok "banned: the bounded alternatives compile" cc_project "$T_TMP/good.c"
t_end
