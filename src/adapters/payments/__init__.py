"""Payment providers behind the core's PaymentProvider port."""
