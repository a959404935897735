"""The knowledge base (政策咨询, 法治宣传): articles the centre keeps for every
matter — policies, procedures (办事指南), legal education and common questions —
by kind, demand category and unit; published on the portal with search, and
linked by the desk in its answers."""
