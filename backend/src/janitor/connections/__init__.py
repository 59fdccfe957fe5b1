"""Connections to a tenant's Plex, Jellyfin and Jellyseerr servers: credentials, validation, SSRF guard."""
