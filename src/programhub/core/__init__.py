"""The domain: organisations, keys, programs and courses, catalogs, nominations,
identities and credentials. Nothing here knows about HTTP or any platform's wire format."""
