"""Fakes of the outside services the backend talks to, served on loopback for tests."""
