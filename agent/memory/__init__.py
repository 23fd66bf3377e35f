"""What the chat agent remembers: embeddings for recall, token budgets, and the context window
(the newest turns that fit, older ones folded into a running extractive summary)."""
