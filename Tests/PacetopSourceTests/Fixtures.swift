import Foundation

/// A small crm_mon document of our own (the shared corpus is never copied into the repo).
func statusXML(dc: String = "node1", quorum: Bool = true, lastChange: String = "Mon Nov 24 10:00:00 2026",
               nodes: [String] = ["node1", "node2"], types: [String: String] = [:]) -> String {
    let nodeLines = nodes.enumerated().map { i, n in
        """
            <node name="\(n)" id="\(i + 1)" online="true" standby="false" standby_onfail="false" maintenance="false" pending="false" unclean="false" shutdown="false" expected_up="true" is_dc="\(n == dc)" resources_running="\(n == dc ? 1 : 0)" type="\(types[n] ?? "member")"/>
        """
    }.joined(separator: "\n")
    return """
        <pacemaker-result api-version="2.30" request="crm_mon --output-as=xml">
          <summary>
            <stack type="corosync"/>
            <current_dc present="true" version="2.1.6" name="\(dc)" id="1" with_quorum="\(quorum)" mixed_version="false"/>
            <last_update time="Mon Nov 24 10:00:05 2026"/>
            <last_change time="\(lastChange)" user="root" client="crm_resource" origin="\(dc)"/>
            <nodes_configured number="\(nodes.count)"/>
            <resources_configured number="1" disabled="0" blocked="0"/>
            <cluster_options stonith-enabled="false" symmetric-cluster="true" no-quorum-policy="stop" maintenance-mode="false" stop-all-resources="false"/>
          </summary>
          <nodes>
        \(nodeLines)
          </nodes>
          <resources>
            <resource id="pbx" resource_agent="ocf:portsip:pbx" role="Started" active="true" orphaned="false" blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
              <node name="\(dc)" id="1" cached="true"/>
            </resource>
          </resources>
          <status code="0" message="OK"/>
        </pacemaker-result>
        """
}

let constraintsXML = """
    <constraints>
      <rsc_location id="cli-prefer-pbx" rsc="pbx" role="Started" node="node2" score="INFINITY"/>
      <rsc_location id="cli-ban-vip-on-node1" rsc="vip" role="Started" node="node1" score="-INFINITY"/>
      <!-- <rsc_location id="cli-prefer-commented" rsc="x" node="n" score="INFINITY"/> -->
      <rsc_location id="loc-manual" rsc="pbx" node="node3" score="100"/>
      <rsc_location id="cli-prefer-ebs" rsc="ebs" role="Started">
        <rule id="cli-prefer-rule-ebs" score="INFINITY" boolean-op="and">
          <expression id="cli-prefer-expr-ebs" attribute="#uname" operation="eq" value="node3" type="string"/>
          <date_expression id="cli-prefer-lifetime-end-ebs" operation="lt" end="2026-11-25 06:00:00 +00:00"/>
        </rule>
      </rsc_location>
      <rsc_colocation id="col" rsc="a" with-rsc="b" score="INFINITY"/>
      <rsc_location id="cli-ban-a&amp;b-on-n" rsc="ab" node='n' score="-INFINITY"/>
    </constraints>
    """

/// corosync.conf with a nodelist: (name, ring addresses) per node, node ids from 1.
func corosyncConf(cluster: String = "fakecluster", _ nodes: [(String, [String])]) -> String {
    let entries = nodes.enumerated().map { i, n in
        let rings = n.1.enumerated().map { r, a in "        ring\(r)_addr: \(a)\n" }.joined()
        return "    node {\n\(rings)        name: \(n.0)\n        nodeid: \(i + 1)\n    }\n"
    }.joined()
    return """
        # written by the test
        totem {
            version: 2
            cluster_name: \(cluster)
            token: 3000
        }
        nodelist {
        \(entries)}
        quorum {
            provider: corosync_votequorum
        }

        """
}
