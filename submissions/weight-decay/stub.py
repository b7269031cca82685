import torch
from d2l import torch as d2l

def l2_penalty(w):
    # TODO
    pass

train(lambd=0)
train(lambd=3)
