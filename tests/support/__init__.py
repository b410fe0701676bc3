"""Shared test support: Pulumi mocks, the example config, README helpers, the loopback doubles of
Microsoft and AWS, and the verify harness. Test modules import only from here, never from each other."""
