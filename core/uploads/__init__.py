"""Files chosen in a form that failed for another reason, held for its next submit."""
