"""One typed async client per upstream API. They never log or raise with a token in the message."""
