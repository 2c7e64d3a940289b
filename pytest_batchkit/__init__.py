"""pytest_batchkit: pytest fixtures that hand a test suite a faithful, seeded AWS Batch."""
