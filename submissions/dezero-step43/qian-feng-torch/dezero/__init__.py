from dezero.core import Variable
