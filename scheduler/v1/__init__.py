"""Generated from protos/scheduler/v1 by scripts/gen_protos.py. Do not edit."""
