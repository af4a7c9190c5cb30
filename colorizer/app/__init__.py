"""The web page (Gradio): layout, the work behind it, what it refuses, and its bounds on memory and time."""
