# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Actions whose resource type is no practical scope, as data (read by ``grant_checks``).

AWS's reference gives most actions one or more resource types; an optional type means "you can scope
the action to it" (``es:ESHttpGet`` to a domain, ``sns:Unsubscribe`` to a topic), so such an action on
``"*"`` is RESOURCE_STAR.  A few resource types are no scope an application can name in advance.  These
actions are not RESOURCE_STAR on ``"*"`` (nor on a pattern covering every resource of the type); each
entry says why, what AWS recommends instead (used as the ``fix`` of a RESOURCE_MISMATCH on the action)
and where AWS says so.  Keep this table small: every entry is a grant the gate lets through.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

_CLOUDWATCH_METRICS = ("https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
                       "iam-cw-condition-keys-namespace.html")

#: lower-case ``service:action`` -> {``reason``, ``fix``, ``source``}
NO_PRACTICAL_SCOPE = {
    "cloudwatch:putmetricdata": {
        "reason": "metrics are not resources: the only resource type, a CloudWatch dataset, is optional and"
                  " metrics are published without one; AWS scopes this action by namespace",
        "fix": "Keep \"Resource\": \"*\" and limit the namespaces the application writes to with a condition,"
               " e.g. {\"StringEquals\": {\"cloudwatch:namespace\": \"MyApp\"}}.",
        "source": _CLOUDWATCH_METRICS,
    },
    "cloudwatch:getmetricdata": {
        "reason": "metrics are not resources: the only resource type, a CloudWatch dataset, is optional and"
                  " classic metrics are read without one",
        "fix": "Keep \"Resource\": \"*\" (CloudWatch metrics cannot be named in Resource).",
        "source": _CLOUDWATCH_METRICS,
    },
    "cloudwatch:listmetrics": {
        "reason": "metrics are not resources: the only resource type, a CloudWatch dataset, is optional and"
                  " classic metrics are listed without one",
        "fix": "Keep \"Resource\": \"*\" (CloudWatch metrics cannot be named in Resource).",
        "source": _CLOUDWATCH_METRICS,
    },
    "route53:getchange": {
        "reason": "a change id is made by Route 53 for each ChangeResourceRecordSets call, so it cannot be named"
                  " in advance; GetChange only reads whether a change has propagated",
        "fix": "Use \"Resource\": \"arn:aws:route53:::change/*\" (the partition of your account).",
        "source": "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/"
                  "access-control-managing-permissions.html",
    },
}


def lookup(service, name):
    """The entry of an action (``service`` lower case, ``name`` any case), or ``None``."""
    return NO_PRACTICAL_SCOPE.get(service + ":" + name.lower())
