"""Tools of the course kit for TAs: skeleton generation, MNIST fetching, packaging."""
