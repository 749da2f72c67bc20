"""scheduler: a production scheduling optimizer for factories (OR-Tools CP-SAT, verified schedules)."""

__version__ = "0.1.0"
