# tlog.sh — `tims tlog` as an auditor uses it: roots, proofs round-tripped
# through the CLI alone, tampered proofs and notes, keys and their modes.
. tests/e2e/lib.sh
cd "$T_TMP" || exit 2

# The RFC 6962 reference entries (transparency-dev/merkle test vectors).
printf '\n00\n10\n2021\n3031\n40414243\n5051525354555657\n606162636465666768696a6b6c6d6e6f\n' >rfc.txt
R8=5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328
R6=76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef

t_eq "root: the RFC 6962 tree of 8 entries" "size 8
root $R8" "$("$TIMS" tlog root rfc.txt)"
t_eq "root: reads standard input" "size 8
root $R8" "$("$TIMS" tlog root <rfc.txt)"
t_eq "root: the first 6 entries" "root $R6" "$(head -6 rfc.txt | "$TIMS" tlog root | tail -1)"
t_eq "root: an empty file is the empty tree" "size 0
root e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "$(: | "$TIMS" tlog root)"
t_eq "root: one empty line is one empty entry" "size 1" "$(printf '\n' | "$TIMS" tlog root | head -1)"
printf '00\n0g\n' >bad.txt
t_status 2 "root: a non-hex entry is refused" "$TIMS" tlog root bad.txt
t_match "root: ... naming the file and line" 'bad.txt: line 2: not hex' "$("$TIMS" tlog root bad.txt 2>&1)"
printf '001\n' >odd.txt
t_match "root: an odd number of digits is named" 'line 1: odd number of hex digits' "$("$TIMS" tlog root odd.txt 2>&1)"
t_status 2 "root: a missing file is an I/O error" "$TIMS" tlog root nosuch.txt

# Inclusion: published proof for index 5 in size 8, then round trips.
t_eq "prove-inclusion: the published proof of entry 5 in 8" \
"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b
ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0
d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" "$("$TIMS" tlog prove-inclusion --index 5 rfc.txt)"
for i in 0 3 7; do
	leaf=$("$TIMS" tlog leaf-hash rfc.txt | sed -n "$((i + 1))p")
	proof=$("$TIMS" tlog prove-inclusion --index "$i" rfc.txt)
	t_ok "verify-inclusion: entry $i round-trips (arguments)" \
		"$TIMS" tlog verify-inclusion --index "$i" --size 8 --leaf-hash "$leaf" --root "$R8" $proof
	t_eq "verify-inclusion: entry $i round-trips (standard input)" 0 \
		"$(printf '%s\n' "$proof" | "$TIMS" tlog verify-inclusion --index "$i" --size 8 --leaf-hash "$leaf" --root "$R8" - >/dev/null 2>&1; echo $?)"
done
leaf5=$("$TIMS" tlog leaf-hash rfc.txt | sed -n 6p)
proof5=$("$TIMS" tlog prove-inclusion --index 5 rfc.txt)
tampered=$(printf '%s\n' "$proof5" | sed '2s/^c/d/')
t_status 1 "verify-inclusion: a tampered proof hash is not valid" \
	"$TIMS" tlog verify-inclusion --index 5 --size 8 --leaf-hash "$leaf5" --root "$R8" $tampered
t_match "verify-inclusion: ... with the reason" 'not valid: inclusion: proof leads to root' \
	"$("$TIMS" tlog verify-inclusion --index 5 --size 8 --leaf-hash "$leaf5" --root "$R8" $tampered 2>&1)"
t_status 1 "verify-inclusion: a truncated proof is not valid" \
	"$TIMS" tlog verify-inclusion --index 5 --size 8 --leaf-hash "$leaf5" --root "$R8" $(printf '%s\n' "$proof5" | head -2)
t_status 1 "verify-inclusion: a proof with a trailing hash is not valid" \
	"$TIMS" tlog verify-inclusion --index 5 --size 8 --leaf-hash "$leaf5" --root "$R8" $proof5 "$R8"
t_status 1 "verify-inclusion: the wrong index is not valid" \
	"$TIMS" tlog verify-inclusion --index 4 --size 8 --leaf-hash "$leaf5" --root "$R8" $proof5
t_status 1 "verify-inclusion: index >= size is not valid" \
	"$TIMS" tlog verify-inclusion --index 8 --size 8 --leaf-hash "$leaf5" --root "$R8" $proof5
t_status 2 "verify-inclusion: a short --root is a usage error" \
	"$TIMS" tlog verify-inclusion --index 5 --size 8 --leaf-hash "$leaf5" --root "${R8:1}" $proof5
t_eq "verify-inclusion: ... naming it" "tims tlog verify-inclusion: --root: expected 64 hex digits, got 63" \
	"$("$TIMS" tlog verify-inclusion --index 5 --size 8 --leaf-hash "$leaf5" --root "${R8:1}" 2>&1)"
t_match "verify-inclusion: a bad proof hash is named" 'proof hash 2: not hex' \
	"$("$TIMS" tlog verify-inclusion --index 5 --size 8 --leaf-hash "$leaf5" --root "$R8" "$R8" "x${R8:1}" 2>&1)"
t_match "verify-inclusion: a bad --index is named" '^tims tlog verify-inclusion: --index: not a decimal number' \
	"$("$TIMS" tlog verify-inclusion --index -1 --size 8 --leaf-hash "$leaf5" --root "$R8" 2>&1)"
t_match "verify-inclusion: a missing option is named" 'missing --leaf-hash' \
	"$("$TIMS" tlog verify-inclusion --index 1 --size 8 --root "$R8" 2>&1)"
t_match "verify-inclusion: an unknown option is named" 'unknown option --frob' \
	"$("$TIMS" tlog verify-inclusion --frob 2>&1)"
t_status 2 "prove-inclusion: an index past the entries is a usage error" "$TIMS" tlog prove-inclusion --index 8 rfc.txt

# Consistency.
t_eq "prove-consistency: the published proof from 6 to 8" \
"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a
ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0
d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" "$("$TIMS" tlog prove-consistency --size1 6 rfc.txt)"
for m in 1 3 4 7; do
	r1=$(head -$m rfc.txt | "$TIMS" tlog root | sed -n 's/^root //p')
	proof=$("$TIMS" tlog prove-consistency --size1 $m rfc.txt)
	t_ok "verify-consistency: $m -> 8 round-trips" \
		"$TIMS" tlog verify-consistency --size1 $m --size2 8 --root1 "$r1" --root2 "$R8" $proof
done
pc=$("$TIMS" tlog prove-consistency --size1 6 rfc.txt)
t_status 1 "verify-consistency: swapped roots are not valid" \
	"$TIMS" tlog verify-consistency --size1 6 --size2 8 --root1 "$R8" --root2 "$R6" $pc
t_status 1 "verify-consistency: a flipped bit is not valid" \
	"$TIMS" tlog verify-consistency --size1 6 --size2 8 --root1 "$R6" --root2 "$R8" $(printf '%s\n' "$pc" | sed '1s/^0/1/')
t_status 1 "verify-consistency: size1 > size2 is not valid" \
	"$TIMS" tlog verify-consistency --size1 8 --size2 6 --root1 "$R8" --root2 "$R6"
t_status 1 "verify-consistency: equal sizes with different roots are not valid" \
	"$TIMS" tlog verify-consistency --size1 8 --size2 8 --root1 "$R8" --root2 "$R6"
t_ok "verify-consistency: equal sizes and roots with no proof are valid" \
	"$TIMS" tlog verify-consistency --size1 8 --size2 8 --root1 "$R8" --root2 "$R8"
t_status 1 "verify-consistency: an empty proof between different sizes is not valid" \
	"$TIMS" tlog verify-consistency --size1 6 --size2 8 --root1 "$R6" --root2 "$R8"

# Keys and notes.
mkdir keys
t_ok "keygen: makes a key pair" "$TIMS" tlog keygen post.example/p1 --out keys
t_eq "keygen: the secret key is mode 0600" 600 "$(stat -c %a keys/post.example_p1.skey)"
t_match "keygen: the verifier key is in the C2SP format" '^post\.example/p1\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$' "$(cat keys/post.example_p1.vkey)"
t_match "keygen: the signer key is in the C2SP format" '^PRIVATE\+KEY\+post\.example/p1\+[0-9a-f]{8}\+' "$(cat keys/post.example_p1.skey)"
t_status 2 "keygen: refuses to overwrite" "$TIMS" tlog keygen post.example/p1 --out keys
t_status 2 "keygen: a name with a space is refused" "$TIMS" tlog keygen "a b" --out keys
t_ok "keygen: a cosigner key" "$TIMS" tlog keygen witness.example/w1 --cosigner --out keys
printf 'example.com/log\n8\n%s\n' "$(printf '%s' "$R8" | xxd -r -p | base64)" >cp.txt
t_ok "sign-note: signs" sh -c "'$TIMS' tlog sign-note --key keys/post.example_p1.skey cp.txt >cp.note"
t_eq "verify-note: prints the text of a good note" "$(cat cp.txt)" \
	"$("$TIMS" tlog verify-note --key keys/post.example_p1.vkey cp.note 2>/dev/null)"
t_match "verify-note: ... and who signed" 'signed by post\.example/p1\+' \
	"$("$TIMS" tlog verify-note --key keys/post.example_p1.vkey cp.note 2>&1 >/dev/null)"
sed 's/^8$/9/' cp.note >cp-tampered.note
t_status 1 "verify-note: a changed text is not valid" "$TIMS" tlog verify-note --key keys/post.example_p1.vkey cp-tampered.note
t_match "verify-note: ... naming the key" 'signature by post\.example/p1\+[0-9a-f]{8} does not verify' \
	"$("$TIMS" tlog verify-note --key keys/post.example_p1.vkey cp-tampered.note 2>&1)"
t_status 1 "verify-note: a note without a signature by the key is not valid" \
	"$TIMS" tlog verify-note --key keys/witness.example_w1.vkey cp.note
head -4 cp.note >cp-nosig.note
t_status 1 "verify-note: a note without signature lines is not valid" \
	"$TIMS" tlog verify-note --key keys/post.example_p1.vkey cp-nosig.note
t_ok "sign-note: a log key and a witness key sign one checkpoint" sh -c \
	"'$TIMS' tlog sign-note --key keys/post.example_p1.skey --key keys/witness.example_w1.skey cp.txt >cp2.note"
t_match "verify-note: the cosignature verifies and shows its time" 'cosigned by witness\.example/w1\+[0-9a-f]{8} at 20[0-9-]+T' \
	"$("$TIMS" tlog verify-note --key keys/post.example_p1.vkey --key keys/witness.example_w1.vkey cp2.note 2>&1 >/dev/null)"
t_status 1 "sign-note: a cosigner key refuses text that is not a checkpoint" \
	sh -c "printf 'hello\n' | '$TIMS' tlog sign-note --key keys/witness.example_w1.skey"
t_status 1 "sign-note: text without a final newline is refused" \
	sh -c "printf 'hello' | '$TIMS' tlog sign-note --key keys/post.example_p1.skey"
chmod 644 keys/post.example_p1.skey
t_status 2 "sign-note: a secret key readable by others is refused" \
	sh -c "'$TIMS' tlog sign-note --key keys/post.example_p1.skey cp.txt"
t_match "sign-note: ... saying how to fix it" 'readable by its owner only \(mode 0644\); run chmod 600' \
	"$("$TIMS" tlog sign-note --key keys/post.example_p1.skey cp.txt 2>&1)"
chmod 600 keys/post.example_p1.skey
t_status 2 "verify-note: a bad verifier key file is a usage error" \
	"$TIMS" tlog verify-note --key cp.txt cp.note
t_status 2 "verify-note: no --key is a usage error" "$TIMS" tlog verify-note cp.note

# The Go x/mod note vector through the CLI.
printf 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n' >peter.vkey
printf "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n" >peter.note
t_ok "verify-note: the golang.org/x/mod published note verifies" "$TIMS" tlog verify-note --key peter.vkey peter.note

# Help everywhere.
t_ok "tlog --help" "$TIMS" tlog --help
for c in root leaf-hash prove-inclusion prove-consistency verify-inclusion verify-consistency keygen sign-note verify-note; do
	t_match "tlog $c --help prints its usage" "^usage: tims tlog $c" "$("$TIMS" tlog $c --help)"
done
t_status 2 "tlog with no command is a usage error" "$TIMS" tlog
t_status 2 "tlog with an unknown command is a usage error" "$TIMS" tlog frobnicate
t_end
