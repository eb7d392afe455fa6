"""A cohort run: the sample sheet and config, the plan of steps, resumable state."""
