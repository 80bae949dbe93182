# witness.sh — an independent witness as a real process on loopback:
# init, trust a post's key, serve; a post's checkpoints cosigned over real
# TLS, through curl (the C2SP wire format, status codes and content types)
# and through `tims witness ask` (the C client, with the consistency proof
# from the post's log); cosignatures checked with `tims tlog verify-note`;
# then the post rolled back to an old copy, and forked: both refused,
# logged, and the witness's state untouched, also across a restart.
. tests/e2e/lib.sh

W=$T_TMP/witness
P=$T_TMP/post
ORIGIN=example.org/post/wit
WPID=

stop_witness() {
	if [ -n "$WPID" ]; then kill -TERM "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null; WPID=; fi
}
trap 'stop_witness; rm -rf "$T_TMP"' EXIT

# start_witness: serve on a free loopback port, set URL.
start_witness() {
	: >"$T_TMP/serve.out"
	"$TIMS" witness serve "$W" --listen 127.0.0.1:0 >"$T_TMP/serve.out" 2>>"$T_TMP/serve.log" &
	WPID=$!
	for _ in $(seq 50); do
		grep -q 'listening on' "$T_TMP/serve.out" && break
		sleep 0.1
	done
	URL=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$T_TMP/serve.out")
}

# post_json N TAG: N crossings as JSON Lines.
post_json() {
	local doc
	doc=$(printf '%s' "$2" | tr a-z A-Z)
	for i in $(seq "$1"); do
		printf '{"id":"%s-%d","direction":"entry","officer":"O1","booth":"B1","person":{"number":"%s%d","surname":"DOE"}}\n' \
			"$2" "$i" "$doc" "$i"
	done
}

# add N TAG: import N crossings into the post and sign a checkpoint.
add() {
	post_json "$1" "$2" >"$T_TMP/in.jsonl"
	cli_as "$P" supervisor "$TIMS" cross import --post "$P" "$T_TMP/in.jsonl" >/dev/null 2>&1 &&
		"$TIMS" log checkpoint --post "$P" >"$T_TMP/cp.note"
}

# wpost BODYFILE: POST it with curl; prints "STATUS CONTENT-TYPE", body in $T_TMP/resp.
wpost() { # FILE [CURL-ARGS...]
	local f=$1
	shift
	curl -s --cacert "$W/tls.crt" -o "$T_TMP/resp" -w '%{http_code} %{content_type}' \
		-H 'Content-Type: text/plain' "$@" --data-binary @"$f" "$URL/add-checkpoint"
}

# ---- init and registration ----------------------------------------------
t_ok "witness init makes a witness" "$TIMS" witness init "$W" --name witness.test/w1
for f in witness.db witness.skey witness.vkey tls.crt tls.key; do
	t_ok "witness init: $f exists" test -f "$W/$f"
done
t_eq "witness init: the cosigner key is mode 0600" 600 "$(stat -L -c %a "$W/witness.skey")"
t_eq "witness init: the TLS key is mode 0600" 600 "$(stat -L -c %a "$W/tls.key")"
t_eq "witness init: both keys are links into the key directory beside it (0700)" \
	"../witness.keys/witness.skey ../witness.keys/tls.key 700" \
	"$(readlink "$W/witness.skey") $(readlink "$W/tls.key") $(stat -c %a "$W.keys")"
t_match "witness init: the verifier key is a cosigner key named as asked" '^witness\.test/w1\+[0-9a-f]{8}\+B[A-Za-z0-9+/]{43}$' "$(cat "$W/witness.vkey")"
t_status 1 "witness init refuses a directory that holds a witness" "$TIMS" witness init "$W"
t_eq "witness: the database is in WAL mode" wal "$(sqlite3 "$W/witness.db" 'PRAGMA journal_mode')"

"$TIMS" post init "$P" --origin "$ORIGIN" --kind land >/dev/null
cli_bootstrap "$P"
t_ok "witness add-log trusts the post's key" "$TIMS" witness add-log "$W" --vkey "$P/post.vkey"
t_status 1 "witness add-log: the same key twice is refused" "$TIMS" witness add-log "$W" --vkey "$P/post.vkey"
t_status 1 "witness add-log: a cosigner key is no log key" "$TIMS" witness add-log "$W" --vkey "$W/witness.vkey"
t_match "witness list: the log at size 0, no root yet" "^$ORIGIN size 0 root - " "$("$TIMS" witness list "$W")"

start_witness
t_match "witness serve prints its loopback URL" '^https://127\.0\.0\.1:[0-9]+$' "$URL"

# ---- the wire, with curl ----------------------------------------------------
add 3 a
{ printf 'old 0\n\n'; cat "$T_TMP/cp.note"; } >"$T_TMP/req"
out=$(wpost "$T_TMP/req")
t_match "curl: the first checkpoint (old 0) is cosigned, 200" '^200 text/plain' "$out"
t_match "curl: the answer is a cosignature line by the witness" '^— witness\.test/w1 [A-Za-z0-9+/]+=*$' "$(cat "$T_TMP/resp")"
cat "$T_TMP/cp.note" "$T_TMP/resp" >"$T_TMP/cosigned3"
t_ok "verify-note: the cosignature verifies with the witness's key" \
	"$TIMS" tlog verify-note --key "$W/witness.vkey" "$T_TMP/cosigned3"
t_ok "verify-note: the post's own signature still verifies" \
	"$TIMS" tlog verify-note --key "$P/post.vkey" "$T_TMP/cosigned3"
t_eq "witness list: size 3 stored" "3" "$("$TIMS" witness list "$W" | awk '{print $3}')"

out=$(wpost "$T_TMP/req")
t_eq "curl: the same request again is 409 text/x.tlog.size" "409 text/x.tlog.size" "$out"
t_eq "curl: ... whose body is the witness's size" "3" "$(cat "$T_TMP/resp")"
cp -a "$P" "$T_TMP/post-at-3" # the backup a rollback will restore

{ printf 'old 01\n\n'; cat "$T_TMP/cp.note"; } >"$T_TMP/bad"
t_match "curl: a non-canonical old size is 400, named" '^400 ' "$(wpost "$T_TMP/bad")"
t_match "curl: ... the reason names the line" 'line 1 \(old size\): leading zero' "$(cat "$T_TMP/resp")"
{ printf 'old 0\n'; cat "$T_TMP/cp.note"; } >"$T_TMP/bad"
t_match "curl: a missing empty line is 400" '^400 ' "$(wpost "$T_TMP/bad")"
head -c 70000 /dev/zero | tr '\0' 'A' >"$T_TMP/big"
# Expect: 100-continue: the witness answers 413 on the headers and curl sends
# no body, so the answer is read, not lost to a reset while uploading.
t_match "curl: a body past 64 KiB is 413" '^413 ' "$(wpost "$T_TMP/big" -H 'Expect: 100-continue')"
t_eq "curl: GET is 405" 405 "$(curl -s --cacert "$W/tls.crt" -o /dev/null -w '%{http_code}' "$URL/add-checkpoint")"
t_ok "curl: a client that does not trust the witness's certificate cannot talk to it" \
	sh -c "! curl -s -o /dev/null --data-binary @'$T_TMP/req' '$URL/add-checkpoint'"

"$TIMS" post init "$T_TMP/other" --origin example.org/post/other --kind land >/dev/null
cli_bootstrap "$T_TMP/other"
{ printf 'old 0\n\n'; "$TIMS" log checkpoint --post "$T_TMP/other"; } >"$T_TMP/req-other"
t_match "curl: an unknown origin is 404 (spec)" '^404 ' "$(wpost "$T_TMP/req-other")"
"$TIMS" post init "$T_TMP/impostor" --origin "$ORIGIN" --kind land >/dev/null
cli_bootstrap "$T_TMP/impostor"
{ printf 'old 3\n\n'; "$TIMS" log checkpoint --post "$T_TMP/impostor"; } >"$T_TMP/req-imp"
t_match "curl: the origin signed by another key is 403 (spec)" '^403 ' "$(wpost "$T_TMP/req-imp")"

# ---- the C client: tims witness ask ----------------------------------------
add 4 b
out=$("$TIMS" witness ask --url "$URL" --ca "$W/tls.crt" --post "$P" \
	--witness-key "$W/witness.vkey" --out "$T_TMP/cosigned7" 2>&1)
t_eq "ask: the post's size-7 checkpoint is cosigned (old size learned from the 409)" 0 $?
t_match "ask: prints the checkpoint with the witness's line" "^$ORIGIN
7
.*— witness\.test/w1 " "$out"
t_ok "ask --out: the stored cosigned checkpoint verifies with the witness key" \
	"$TIMS" tlog verify-note --key "$W/witness.vkey" "$T_TMP/cosigned7"
t_eq "witness list: size 7 stored" "7" "$("$TIMS" witness list "$W" | awk '{print $3}')"
cp -a "$P" "$T_TMP/post-at-7"
t_ok "ask again at the same size: cosigned again" \
	"$TIMS" witness ask --url "$URL" --ca "$W/tls.crt" --post "$P" --old 7
t_status 2 "ask: a witness at a bad URL is an error, not a refusal" \
	"$TIMS" witness ask --url "https://127.0.0.1:1" --ca "$W/tls.crt" --post "$P"

# ---- rollback: the post restored from its copy at size 3 ---------------------
rm -rf "$P" && cp -a "$T_TMP/post-at-3" "$P"
out=$("$TIMS" witness ask --url "$URL" --ca "$W/tls.crt" --post "$P" 2>&1)
t_eq "rollback: ask exits 1" 1 $?
t_match "rollback: the client says the log was rolled back" 'cosigned size 7 .* larger than this checkpoint.s 3: the log was rolled back' "$out"
{ printf 'old 3\n\n'; "$TIMS" log checkpoint --post "$P"; } >"$T_TMP/req-old"
t_eq "rollback: replaying the old checkpoint is 409 with size 7" "409 text/x.tlog.size 7" \
	"$(wpost "$T_TMP/req-old") $(cat "$T_TMP/resp")"

# ---- fork: the rolled-back post grows other records past the witness --------
add 5 fork
t_eq "fork: the rolled-back post has grown to 8" 8 "$(sqlite3 "$P/post.db" 'SELECT count(*) FROM records')"
out=$("$TIMS" witness ask --url "$URL" --ca "$W/tls.crt" --post "$P" 2>&1)
t_eq "fork: ask exits 1" 1 $?
t_match "fork: the witness refuses the consistency proof from 7 (422)" 'consistency proof from size 7 to 8 does not verify' "$out"
t_eq "fork: the witness still holds size 7" "7" "$("$TIMS" witness list "$W" | awk '{print $3}')"
t_match "fork and rollback: the refusals are logged by the server" 'refused example\.org/post/wit size 8 \(old 7\): 422' "$(cat "$T_TMP/serve.log")"
t_eq "fork and rollback: the requests are kept as evidence" "bad_proof older" \
	"$(sqlite3 "$W/witness.db" "SELECT DISTINCT kind FROM refusals ORDER BY kind" | tr '\n' ' ' | sed 's/ $//')"

# ---- restart: the state is durable --------------------------------------------
stop_witness
t_match "serve stops on SIGTERM" '^<5>event=stop signal=SIGTERM$' "$(cat "$T_TMP/serve.log")"
start_witness
t_eq "restart: size 7 is still the witness's" "7" "$("$TIMS" witness list "$W" | awk '{print $3}')"
rm -rf "$P" && cp -a "$T_TMP/post-at-7" "$P" # the honest log again
out=$("$TIMS" witness ask --url "$URL" --ca "$W/tls.crt" --post "$P" --witness-key "$W/witness.vkey" 2>&1)
t_eq "restart: the honest log at 7 is cosigned again" 0 $?
add 2 c
t_ok "restart: and grows to 9 with a proof from 7" \
	"$TIMS" witness ask --url "$URL" --ca "$W/tls.crt" --post "$P" --witness-key "$W/witness.vkey"
t_eq "witness list: size 9" "9" "$("$TIMS" witness list "$W" | awk '{print $3}')"
stop_witness
t_end
