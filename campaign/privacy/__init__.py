"""Privacy: the notice, retention, withdrawal and deletion by the person, erasure and subject access,
and one-click unsubscribing. See docs/privacy.md."""
