"""Prometheus metrics: business counters, request latency, and the protected ``/metrics`` endpoint.

See docs/deployment.md ("Monitoring") for what is counted and why counters live in each process.
"""
