"""Working offline from the first tap to submit: the pages a phone keeps (a prepared fill page per
assignment, the list of what waits to be sent) and the one JSON endpoint its queue replays into.
The queue itself lives on the phone (static/js/outbox.js); docs/offline.md explains it."""
