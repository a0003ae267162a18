"""Holiday visit campaigns (走访慰问): which households of the register are visited, by
whom, with what gift, and what was given and found."""
