"""The graph as LangGraph Studio loads it (`langgraph dev`): no checkpointer, the server brings its own."""

from graph.builder import build_graph

graph = build_graph()
