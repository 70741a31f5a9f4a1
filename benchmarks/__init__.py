"""Speed and memory of autodiff-dojo against PyTorch, HIPS autograd, micrograd and hand-written numpy."""
