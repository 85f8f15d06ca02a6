"""What is offered where: states, utilities and the ZIP map, plans and where they show, promo
codes, prices at the state's usage levels, and the plan documents (EFL, TOS, YRAC)."""
