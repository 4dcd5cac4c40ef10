"""Configuration: the typed ``Settings`` (environment) and the YAML files people review
(agency directory, reporting policy, message templates, shipped plans)."""
