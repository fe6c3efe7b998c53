"""The benchmark harness: the product against a raw baseline on the same data (`make bench`)."""
