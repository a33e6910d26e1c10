"""The review conversation: reading a reviewer's messages and answering them."""
