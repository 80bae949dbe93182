# national-pg.sh — national.sh with the centre's query store, and so the
# national travel feed the posts pull (its table and triggers), on a real
# PostgreSQL server that the script starts and stops itself.
CENTRE_STORE=pg exec bash tests/e2e/national.sh
