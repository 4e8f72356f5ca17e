"""The kit's autograder: runs a student's ``two_layer_net.py`` in a sandbox and checks it."""
