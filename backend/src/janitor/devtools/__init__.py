"""Developer and test tooling: throwaway Postgres/Redis servers and the local stack launcher."""
