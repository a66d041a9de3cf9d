"""printhub's benchmarks: each runs a named peer in the same run and prints the ratio."""
