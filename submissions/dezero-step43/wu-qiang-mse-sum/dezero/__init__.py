# 自己写的 DeZero（第一阶段到第三阶段）
from dezero.core import Variable
from dezero.core import Function
from dezero.core import using_config
from dezero.core import no_grad
from dezero.core import as_array
from dezero.core import as_variable
from dezero.core import setup_variable

setup_variable()
