"""dl: 深度学习框架作业（仿 DeZero）"""
from dl.core import Variable, Function, as_variable
