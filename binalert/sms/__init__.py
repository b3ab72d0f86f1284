"""SMS in the domain (#22): the rules a text must follow before anyone sends it."""
