"""Areas: an organisation's names for places, defined by postcode prefixes, to count people by place."""
