compute_count = 2
