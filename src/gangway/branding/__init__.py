"""Partner branding of the hosted flow: display name, logo, primary colour, support contact."""
