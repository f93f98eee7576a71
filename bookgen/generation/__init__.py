"""Generation: the book's state machine, prompts, the chunk loop and the service.

Plain async Python; nothing here imports Reflex.
"""
