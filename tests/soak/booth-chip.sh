# booth-chip.sh (soak) — tests/e2e/booth-chip.sh with its Chromium part:
# the booth console shows the chip's outcome and the DG2 photo (decoded by
# the browser), and a failed chip as "possibly altered" with Admit disabled.
CHIP_BROWSER=1 exec bash tests/e2e/booth-chip.sh
