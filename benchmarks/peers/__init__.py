"""Peer solvers for `scheduler bench --peers`: each module is a solve subprocess of its own."""
