"""`manage.py seed`: the synthetic workloads of DESIGN §6 (pilot, province, nation).

`programme.py` plans and writes the programme's structure; every other app's records come from
a step registered in `registry.py` (`@step(order=...)`), in that order, so that this package is
the only place that knows how the synthetic province is made. It sits at the top layer: it may
import any app, and no app imports it.
"""
