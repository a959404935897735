"""转交办: the register of outside departments (市场监管局, 税务局, 人社局 …) a matter outside the
police is transferred to, kept by the leaders and the administrator of the centre's tree."""
