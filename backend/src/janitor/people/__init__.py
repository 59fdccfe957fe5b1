"""People: the household members and friends of the account's servers, merged across servers, and
what the owner assigned them to watch."""
