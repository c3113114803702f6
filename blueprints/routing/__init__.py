"""Which authority a member's complaint goes to: the routing questions and the proposal."""
