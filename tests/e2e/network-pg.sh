# network-pg.sh — the network suite (network.sh) with the centre's query
# store on a real PostgreSQL server that the suite starts and stops itself.
CENTRE_STORE=pg exec bash tests/e2e/network.sh
