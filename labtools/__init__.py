"""Developer tools: the app server for tests and benchmarks, browser helpers, sample files, replicas, screenshots."""
