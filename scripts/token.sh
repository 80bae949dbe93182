#!/usr/bin/env bash
# token.sh DIR — make a throwaway SoftHSM2 token under DIR and print the
# shell lines that point TIMS at it:
#   export SOFTHSM2_CONF=DIR/softhsm2.conf
#   export TIMS_TOKEN='pkcs11:token=tims?module-path=...&pin-source=DIR/pin'
# For tests and the demo only: a software token keeps its keys in files
# (DIR/tokens), readable by whoever can read DIR. A post uses a TPM through
# tpm2-pkcs11 or an HSM instead (docs/keys.md).
set -eu
dir=${1:?usage: token.sh DIR}
mod=
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
	 /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
	if [ -e "$m" ]; then mod=$m; break; fi
done
[ -n "$mod" ] || { echo "token.sh: libsofthsm2.so not found (scripts/deps.sh installs softhsm2)" >&2; exit 1; }
mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd -P)
chmod 700 "$dir" "$dir/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' "$dir" >"$dir/softhsm2.conf"
umask 077
if [ ! -e "$dir/pin" ]; then
	head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/pin"
	SOFTHSM2_CONF=$dir/softhsm2.conf softhsm2-util --init-token --free --label tims \
		--pin "$(cat "$dir/pin")" --so-pin "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" >/dev/null
fi
echo "export SOFTHSM2_CONF=$dir/softhsm2.conf"
echo "export TIMS_TOKEN='pkcs11:token=tims?module-path=$mod&pin-source=$dir/pin'"
